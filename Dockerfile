# Build with the SDK image, run on the ASP.NET runtime image as a non-root user.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/DocQa.Server/DocQa.Server.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
COPY appsettings.json ./
COPY data/samples ./data/samples
ENV Urls=http://0.0.0.0:5080 \
    Storage__DataDirectory=/data
RUN mkdir -p /data && chown app:app /data
USER app
VOLUME /data
EXPOSE 5080
ENTRYPOINT ["dotnet", "DocQa.Server.dll"]
