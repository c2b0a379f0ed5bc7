# syntax=docker/dockerfile:1
# Starling: one binary; migrations, templates and static assets are compiled into it.

FROM rust:1.95-bookworm AS build
WORKDIR /src
# The whole context (see .dockerignore): Cargo.toml, Cargo.lock, src, migrations, templates,
# static, plus tests/ and benches/ because Cargo.toml may name those targets explicitly.
COPY . .
# Dependencies stay compiled in the cache mounts between builds, so a source change only
# rebuilds the starling crate itself.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
 && cp target/release/starling /usr/local/bin/starling

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --user-group --uid 10001 --home-dir /var/lib/starling --shell /usr/sbin/nologin starling \
 && mkdir -p /var/lib/starling/data \
 && chown -R starling:starling /var/lib/starling
COPY --from=build /usr/local/bin/starling /usr/local/bin/starling
USER starling
WORKDIR /var/lib/starling
ENV STARLING_HTTP__BIND=0.0.0.0:3000 \
    STARLING_STORAGE__DATA_DIR=/var/lib/starling/data
VOLUME /var/lib/starling/data
EXPOSE 3000
CMD ["starling", "serve"]
