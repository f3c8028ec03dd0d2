# The attribution host as a container image. It wraps only the tested single-file publish output
# (SingleFileBinaryTests runs that file copied alone); nothing is compiled in the image:
#   dotnet publish host -c Release -r linux-x64 -o artifacts/linux-x64
#   docker build -t attribution:0.1.0 .
# docs/OPERATIONS.md, "Deploying: the single-file binary and the container", has the run command and the volume.
FROM debian:12-slim

# What the binary needs beyond glibc (ldd of it and of the librdkafka it extracts): libstdc++ for the .NET host,
# libssl for .NET's own TLS, CA certificates for TLS to the brokers (librdkafka probes the system paths).
# Debian's libsasl2 is .so.2, not the .so.3 the default librdkafka asks for: Confluent.Kafka then loads its
# self-contained centos8 build, which needs nothing more.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libssl3 libstdc++6 \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 attribution \
 && useradd --system --uid 10001 --gid attribution --home-dir /home/attribution --create-home --shell /usr/sbin/nologin attribution \
 && install -d -o attribution -g attribution /var/lib/attribution

COPY artifacts/linux-x64/attribution /usr/local/bin/attribution

# The bundled native libraries are extracted here on first start (a writable place of the user's own).
ENV DOTNET_BUNDLE_EXTRACT_BASE_DIR=/home/attribution/.cache/dotnet-bundle \
    ATTRIBUTION_METRICS_ADDRESS=0.0.0.0

USER 10001:10001
WORKDIR /home/attribution
# State and snapshots: keep them on a volume so a new container resumes from the newest snapshot.
VOLUME ["/var/lib/attribution"]
STOPSIGNAL SIGTERM

ENTRYPOINT ["/usr/local/bin/attribution"]
CMD ["run", "--state-dir", "/var/lib/attribution"]
