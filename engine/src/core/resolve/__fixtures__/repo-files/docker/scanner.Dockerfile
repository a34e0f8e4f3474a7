ARG TRIVY_TAG=latest
FROM aquasec/trivy:${TRIVY_TAG} AS trivy

FROM alpine:3.20
COPY --from=trivy /usr/local/bin/trivy /usr/local/bin/trivy
ENTRYPOINT ["trivy"]
