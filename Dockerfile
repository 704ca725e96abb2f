# The Squall server image (`squall:latest` in deploy/kubernetes/squall.yaml).
#   docker build -t squall:latest .
# Not built in CI (CI machines have no Docker): see docs/deployment.md.

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
# The `squall` package (crates/cli) builds the `squall` binary: server and client in one.
RUN cargo build --release --locked -p squall \
 && cp target/release/squall /usr/local/bin/squall

FROM debian:bookworm-slim
# ca-certificates: TLS to the blob store; bubblewrap: the sandbox of Lambda-runtime
# function processes; python3 and nodejs: the interpreters of Python and Node.js functions,
# which run as processes of the server (Ruby is not included; add `ruby` if you need it).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates bubblewrap python3 nodejs \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --user-group --create-home --home-dir /home/squall --shell /usr/sbin/nologin squall \
 && mkdir -p /var/lib/squall \
 && chown squall:squall /var/lib/squall
COPY --from=build /usr/local/bin/squall /usr/local/bin/squall
USER 10001:10001
EXPOSE 4566 8080
ENTRYPOINT ["squall"]
CMD ["server", "--api", "0.0.0.0:4566", "--http", "0.0.0.0:8080", "--data-dir", "/var/lib/squall"]
