# syntax=docker/dockerfile:1
# One Dockerfile for every part; build from the repository root with the part's name:
#   docker build --build-arg SERVICE=records -t records .
# SERVICE is gateway, auth, records or qa. The qa image runs the HTTP service by default and the
# worker with: node services/qa/dist/worker.js

ARG NODE_IMAGE=node:24-slim

# Every workspace's package.json, found rather than listed, and the lockfile: npm ci checks the whole
# lockfile against all of them. Only this stage sees the whole context; the next ones start from its
# output, so their cache holds until a manifest or the lockfile changes.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /context
COPY . .
RUN mkdir /manifests \
 && find . -name package.json -not -path '*/node_modules/*' -not -path './.data/*' -exec cp --parents {} /manifests/ \; \
 && cp package-lock.json /manifests/

FROM ${NODE_IMAGE} AS build
ARG SERVICE
WORKDIR /app
RUN case "${SERVICE}" in gateway|auth|records|qa) ;; *) echo "SERVICE must be gateway, auth, records or qa (got '${SERVICE}')" >&2; exit 1;; esac
COPY --from=manifests /manifests/ ./
# Install scripts off: every native dependency here ships prebuilt binaries as optional packages
# (@node-rs/argon2, msgpackr-extract, @swc/core), so nothing needs to run at install.
RUN npm ci --no-audit --no-fund --ignore-scripts --include-workspace-root -w @app/common -w @app/${SERVICE}
COPY tsconfig.base.json ./
COPY packages/common/ packages/common/
# The analysis library the qa service and worker run (tsc -b builds it through the qa project's reference).
COPY packages/resume-analysis/ packages/resume-analysis/
COPY gateway/ gateway/
COPY services/ services/
# The part's folder: gateway/ or services/<name>/. Its package.json and dist/ go to /out for the last stage,
# with main.js at the root pointing at its entry point; for qa, the analysis package's too.
# tsc by path: with the root devDependencies installed, `npx` would put the npm package "node" first on PATH.
RUN dir="$([ "${SERVICE}" = gateway ] && echo gateway || echo "services/${SERVICE}")" \
 && node node_modules/typescript/bin/tsc -b "${dir}" \
 && mkdir -p "/out/${dir}" \
 && cp -r "${dir}/package.json" "${dir}/dist" "/out/${dir}/" \
 && if [ "${SERVICE}" = qa ]; then mkdir -p /out/packages/resume-analysis \
      && cp -r packages/resume-analysis/package.json packages/resume-analysis/dist /out/packages/resume-analysis/; fi \
 && ln -s "${dir}/dist/main.js" /out/main.js

FROM ${NODE_IMAGE} AS deps
ARG SERVICE
WORKDIR /app
COPY --from=manifests /manifests/ ./
RUN npm ci --no-audit --no-fund --ignore-scripts --omit=dev -w @app/common -w @app/${SERVICE} && npm cache clean --force

FROM ${NODE_IMAGE}
ARG SERVICE
ENV NODE_ENV=production \
    SERVICE=${SERVICE}
# OCR for scanned pages in the qa image (QA_OCR=auto): poppler renders the pages, tesseract reads them.
RUN if [ "${SERVICE}" = qa ]; then apt-get update && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-eng poppler-utils \
    && rm -rf /var/lib/apt/lists/*; fi
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY --from=deps /app/package.json package.json
COPY --from=build /app/packages/common/package.json packages/common/package.json
COPY --from=build /app/packages/common/dist packages/common/dist
COPY --from=build /out/ ./
COPY infra/docker/healthcheck.js infra/docker/healthcheck.js
# Where a development-mode auth keeps its generated signing key (JWT_KEYS_DIR=/keys in compose):
# owned by node so that a fresh named volume is writable too.
RUN if [ "${SERVICE}" = auth ]; then mkdir -p /keys /app/.data/auth-keys && chown -R node:node /keys /app/.data; fi
# The code stays owned by root and read-only to the process.
USER node
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 CMD ["node", "infra/docker/healthcheck.js"]
CMD ["node", "main.js"]
