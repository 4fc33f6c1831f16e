using DocQa.Hosting;
using DocQa.Server;
using DocQa.Server.Api;
using DocQa.Server.Mcp;
using DocQa.Server.Metrics;
using DocQa.Server.Security;

// The content root stays the working directory (appsettings.json, data/); the web page is served from next to the assembly.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
});

builder.ListenOnLoopbackByDefault();
builder.AddServiceDefaults();
builder.Services.AddDocQa(builder.Configuration, builder.Environment.ContentRootPath);
builder.Services.AddDocQaIngestionWorker();
builder.AddDocQaSecurity();
builder.AddDocQaApi();
builder.AddDocQaMcp();
builder.AddDocQaMetrics();

var app = builder.Build();

app.UseDocQaRejectionCounter();
app.UseDocQaSecurityHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseDocQaSecurity();
app.MapDefaultEndpoints();
app.MapDocQaApi();
app.MapDocQaMcp();
app.MapDocQaMetrics();

return app.RunDocQa();

/// <summary>Visible to the in-process test server.</summary>
public partial class Program;
