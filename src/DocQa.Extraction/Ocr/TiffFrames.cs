using System.Buffers.Binary;

namespace DocQa.Extraction.Ocr;

/// <summary>Counts the pages (image file directories) of a TIFF from its header, without decoding an image.</summary>
internal static class TiffFrames
{
    public static bool IsTiff(ReadOnlySpan<byte> head) =>
        head.StartsWith("II*\0"u8) || head.StartsWith("MM\0*"u8);

    /// <summary>The number of frames; a broken chain counts the frames read before the break.</summary>
    public static int Count(ReadOnlySpan<byte> tiff)
    {
        if (!IsTiff(tiff) || tiff.Length < 8)
            return 1;
        bool little = tiff[0] == (byte)'I';
        long offset = UInt32(tiff, 4, little);
        var seen = new HashSet<long>();
        int frames = 0;
        // Each directory names the next; a loop in the chain (a crafted file) ends the count.
        while (offset >= 8 && offset + 2 <= tiff.Length && seen.Add(offset))
        {
            frames++;
            int entries = little ? BinaryPrimitives.ReadUInt16LittleEndian(tiff[(int)offset..]) : BinaryPrimitives.ReadUInt16BigEndian(tiff[(int)offset..]);
            long next = offset + 2 + 12L * entries;
            if (next + 4 > tiff.Length)
                break;
            offset = UInt32(tiff, (int)next, little);
        }
        return Math.Max(frames, 1);
    }

    private static long UInt32(ReadOnlySpan<byte> bytes, int at, bool little) =>
        little ? BinaryPrimitives.ReadUInt32LittleEndian(bytes[at..]) : BinaryPrimitives.ReadUInt32BigEndian(bytes[at..]);
}
