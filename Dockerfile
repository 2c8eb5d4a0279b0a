# Builds the `doorway` binary (which also carries the Seam simulator for `doorway demo`).
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
ENV SQLX_OFFLINE=true
RUN cargo build --release --bin doorway

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/doorway /usr/local/bin/doorway
USER 65534
EXPOSE 8080
ENTRYPOINT ["doorway"]
CMD ["serve"]
