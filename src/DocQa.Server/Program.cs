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

return app.RunDocQa();

/// <summary>Visible to the in-process test server.</summary>
public partial class Program;
