# The meetwarden operator image: a static binary on distroless, running as non-root.
# Build: make docker-build IMG=registry.example.eu/meetwarden:0.1.0
FROM golang:1.26 AS builder
ARG TARGETOS
ARG TARGETARCH
WORKDIR /workspace

# Dependencies first, so source changes do not invalidate the module cache layer.
COPY go.mod go.sum ./
RUN go mod download

COPY cmd/ cmd/
COPY api/ api/
COPY controllers/ controllers/
COPY tokenbridge/ tokenbridge/

RUN CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} \
    go build -trimpath -ldflags="-s -w" -o manager ./cmd
# The OIDC token bridge ships in the same image; the operator runs it per platform with
# command /tokenbridge (component tokenbridge).
RUN CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} \
    go build -trimpath -ldflags="-s -w" -o tokenbridge ./cmd/tokenbridge

FROM gcr.io/distroless/static:nonroot
WORKDIR /
COPY --from=builder /workspace/manager /manager
COPY --from=builder /workspace/tokenbridge /tokenbridge
USER 65532:65532
ENTRYPOINT ["/manager"]
