# mcpo as a service (README: "mcpo as a service: the connections page"). Not built by the test suite; the
# reverse-proxy end-to-end test (test/e2e/reverseProxy.browser.test.ts) covers what the image relies on.
# Stdio servers need their own runtimes (uvx, npx of other packages…): extend the image with them.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
# npm ci builds dist/ (prepare); the dev dependencies go afterwards.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev && npm cache clean --force
# Tokens under MCPO_HOME on a volume owned by the user mcpo runs as (token folders are checked to be its own, 0700).
RUN mkdir /data && chown node:node /data
ENV MCPO_HOST=0.0.0.0 MCPO_PORT=8000 MCPO_HOME=/data
VOLUME /data
EXPOSE 8000
USER node
ENTRYPOINT ["node", "bin/mcpo.js"]
