// An empty ASP.NET Core app: the peer the gateway's memory and start-up are compared with (bench/Edge.Bench, rss and startup).
WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
WebApplication app = builder.Build();
app.MapGet("/healthz", () => "ok");
app.Run();
