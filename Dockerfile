# The generator image the Kubernetes Job in docs/multi-host.md names: Node 20, npm ci, the native
# engine built, `portchurn` on the PATH. Not built or pushed by this repository (its machines reach
# no container registry); build it where the Job runs:
#   docker build -t registry.example.com/portchurn:latest .
FROM node:20-bookworm
# python3, make and g++ come with this image; node-gyp builds against the image's own Node headers
# rather than downloading them.
ENV npm_config_nodedir=/usr/local
WORKDIR /opt/portchurn
COPY . .
# npm ci builds the TypeScript (prepare) and the addon (install). The install script only warns when
# the addon fails to build; here a missing addon fails the image instead.
RUN npm ci \
 && node -e "require('./build/Release/portchurn_native.node')" \
 && npm prune --omit=dev \
 && printf '#!/bin/sh\nexec node /opt/portchurn/dist/src/cli/bin.js "$@"\n' > /usr/local/bin/portchurn \
 && chmod +x /usr/local/bin/portchurn
WORKDIR /data
CMD ["portchurn", "--help"]
