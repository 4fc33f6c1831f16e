# Build with the SDK image, run on the ASP.NET runtime image as a non-root user.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/DocQa.Server/DocQa.Server.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# OCR of scanned pages and images: Tesseract with English (add tesseract-ocr-<lang> for Ocr:Languages) and pdftoppm.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-eng poppler-utils \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
COPY appsettings.json ./
COPY data/samples ./data/samples
# Inside a container the server must listen on every interface; without API keys it refuses to, unless
# Auth__AllowAnonymous says so. For a real deployment, configure keys (docqa keys create) and drop this line.
ENV Urls=http://0.0.0.0:5080 \
    Storage__DataDirectory=/data \
    Auth__AllowAnonymous=true
RUN mkdir -p /data && chown app:app /data
USER app
VOLUME /data
EXPOSE 5080
ENTRYPOINT ["dotnet", "DocQa.Server.dll"]
