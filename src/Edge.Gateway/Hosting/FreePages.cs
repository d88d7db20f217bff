using System.Buffers.Binary;

namespace Edge.Gateway.Hosting;

/// <summary>
/// Checks LiteDB's list of free pages before the file is opened. Nothing reads a free page until LiteDB reuses it, and
/// then it trusts the page's own header: a free page a failing card zeroed names itself page 0, and LiteDB would write
/// new data over the file's header page. Reading documents back cannot see this; following the list does.
/// </summary>
/// <remarks>For unencrypted files only, as the gateway writes them: an encrypted LiteDB file starts with a salt page.</remarks>
internal static class FreePages
{
    // LiteDB 5's page layout (Engine/Pages/BasePage.cs and HeaderPage.cs).
    private const int PageSize = 8192;
    private const int PageIdAt = 0;
    private const int PageTypeAt = 4;
    private const int NextPageIdAt = 9;
    private const int FreeListAt = 60;
    private const byte EmptyPage = 0;
    private const uint None = uint.MaxValue;

    /// <summary>
    /// Throws <see cref="InvalidDataException"/> when a page on the free list is not a free page that names itself,
    /// or the list leaves the file or loops. Only for a file whose log is empty: with a log, the header and the list
    /// in the file may be older than the pages the log holds.
    /// </summary>
    public static void Check(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.RandomAccess);
        long pages = file.Length / PageSize;
        if (pages == 0)
        {
            return;
        }

        Span<byte> header = stackalloc byte[16];
        file.Position = FreeListAt;
        file.ReadExactly(header[..4]);
        uint next = BinaryPrimitives.ReadUInt32LittleEndian(header);
        for (long seen = 0; next != None; seen++)
        {
            if (next == 0 || next >= pages || seen >= pages)
            {
                throw new InvalidDataException($"the free-page list leads to page {next} of {pages} (a loop, or off the end of the file)");
            }

            file.Position = (long)next * PageSize;
            file.ReadExactly(header);
            uint id = BinaryPrimitives.ReadUInt32LittleEndian(header[PageIdAt..]);
            if (id != next || header[PageTypeAt] != EmptyPage)
            {
                throw new InvalidDataException($"free page {next} is damaged (it names itself page {id}, type {header[PageTypeAt]})");
            }

            next = BinaryPrimitives.ReadUInt32LittleEndian(header[NextPageIdAt..]);
        }
    }
}
