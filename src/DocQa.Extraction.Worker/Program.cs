using System.Text.Json;
using DocQa.Core.Extraction;
using DocQa.Extraction;
using DocQa.Extraction.Isolation;

// docqa-extract <file> <kind> <media type> <deadline seconds>: extracts the file and writes a WorkerReply as JSON
// to standard output. Started by IsolatedDocumentExtractor, which enforces the time limit and the memory budget.
if (args.Length != 4 || !Enum.TryParse(args[1], out DocumentKind kind) || !int.TryParse(args[3], out var deadlineSeconds) || deadlineSeconds <= 0)
{
    Console.Error.WriteLine("usage: docqa-extract <file> <Pdf|Docx|Html|Markdown|Text> <media type> <deadline seconds>");
    return WorkerProtocol.ExitUsage;
}

ExitWhenParentCloses();
ExitAfter(TimeSpan.FromSeconds(deadlineSeconds) + TimeSpan.FromSeconds(5));

WorkerReply reply;
try
{
    Misbehave(Environment.GetEnvironmentVariable(WorkerProtocol.FaultVariable));
    using var content = File.OpenRead(args[0]);
    reply = new WorkerReply(new DocumentExtractor().Extract(content, new DocumentType(kind, args[2])), null);
}
catch (Exception e) when (e is OutOfMemoryException || e.InnerException is OutOfMemoryException)
{
    return WorkerProtocol.ExitOutOfMemory;
}
catch (ExtractionException e)
{
    reply = new WorkerReply(null, e.Message);
}
catch (IOException e)
{
    reply = new WorkerReply(null, $"the file cannot be read: {e.Message}");
}

using (var output = Console.OpenStandardOutput())
    JsonSerializer.Serialize(output, reply, WorkerProtocol.Json);
return WorkerProtocol.ExitReplied;

// The parent holds our standard input open while it waits; end of input means it is gone, and so is the reason to go on.
static void ExitWhenParentCloses() =>
    new Thread(() =>
    {
        try
        {
            using var input = Console.OpenStandardInput();
            var buffer = new byte[64];
            while (input.Read(buffer) > 0) { }
        }
        catch (IOException)
        {
        }
        Environment.Exit(WorkerProtocol.ExitDeadline);
    }) { IsBackground = true }.Start();

// A safety net should the parent die without killing us and leave the pipe open.
static void ExitAfter(TimeSpan deadline) =>
    new Thread(() =>
    {
        Thread.Sleep(deadline);
        Environment.Exit(WorkerProtocol.ExitDeadline);
    }) { IsBackground = true }.Start();

static void Misbehave(string? fault)
{
    switch (fault)
    {
        case "hang":
            while (true) Thread.SpinWait(1000);
        case "allocate":
            var hoard = new List<byte[]>();
            while (true)
            {
                var block = new byte[16 * 1024 * 1024];
                Array.Fill(block, (byte)1);
                hoard.Add(block);
            }
        case "crash":
            Recurse(0);
            break;
    }
}

static int Recurse(int depth) => Recurse(depth + 1) + 1;
