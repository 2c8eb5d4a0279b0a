# Two images from one build:
#   docker build .                      # `doorway` (the default, last stage): serve, migrate, demo, ...
#   docker build --target seam-sim .    # the Seam simulator on its own, as a local Seam
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
ENV SQLX_OFFLINE=true
RUN cargo build --release --bin doorway --bin seam-sim

FROM debian:bookworm-slim AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
USER 65534

# The simulator listens on all interfaces in its container (SEAM_SIM_LISTEN), port 8090.
FROM runtime AS seam-sim
COPY --from=build /src/target/release/seam-sim /usr/local/bin/seam-sim
ENV SEAM_SIM_LISTEN=0.0.0.0:8090
EXPOSE 8090
ENTRYPOINT ["seam-sim"]

FROM runtime AS doorway
COPY --from=build /src/target/release/doorway /usr/local/bin/doorway
EXPOSE 8080
ENTRYPOINT ["doorway"]
CMD ["serve"]
