# Build with the SDK image, run on the ASP.NET runtime image as a non-root user.
# The publish is for the platform the image is built for (linux-x64 or linux-arm64: docker build --platform), so the
# image carries that platform's native libraries only, not every platform's runtimes/.
FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG TARGETARCH
WORKDIR /src
COPY . .
RUN dotnet publish src/DocQa.Server/DocQa.Server.csproj -c Release -a $TARGETARCH --self-contained false -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# llama.cpp's libraries (libllama.so, libggml*.so: generated answers) need OpenMP's runtime, libgomp.so.1.
# OCR of scanned pages and images: Tesseract with English (add tesseract-ocr-<lang> for Ocr:Languages) and pdftoppm.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libgomp1 tesseract-ocr tesseract-ocr-eng poppler-utils \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
COPY appsettings.json ./
COPY data/samples ./data/samples
# Inside a container the server must listen on every interface (ASPNETCORE_HTTP_PORTS, as in any ASP.NET Core image);
# without API keys it refuses to, unless Auth__AllowAnonymous says so. For a real deployment, configure keys
# (docqa keys create) and drop that line.
ENV ASPNETCORE_HTTP_PORTS=5080 \
    Storage__DataDirectory=/data \
    Auth__AllowAnonymous=true
RUN mkdir -p /data && chown app:app /data
USER app
VOLUME /data
EXPOSE 5080
# /health answers 200 once the embedding model is loaded. The image has no curl: bash's /dev/tcp asks.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/5080 && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q ' 200 ' <&3"]
ENTRYPOINT ["dotnet", "DocQa.Server.dll"]
