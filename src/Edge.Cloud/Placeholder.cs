namespace Edge.Cloud; internal static class Placeholder {}
