using DocQa.Hosting;
using DocQa.Server;
using DocQa.Server.Api;
using DocQa.Server.Security;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddDocQa(builder.Configuration, builder.Environment.ContentRootPath);
builder.Services.AddDocQaIngestionWorker();
builder.AddDocQaSecurity();
builder.AddDocQaApi();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseDocQaSecurity();
app.MapDefaultEndpoints();
app.MapDocQaApi();

try
{
    app.Run();
    return 0;
}
catch (UnsafeExposureException refused)
{
    // Already logged by the host; the last line says why, without a crash report.
    Console.Error.WriteLine($"DocQa.Server: {refused.Message}");
    return 1;
}

/// <summary>Visible to the in-process test server.</summary>
public partial class Program;
