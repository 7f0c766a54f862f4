# One image for every fleet service; the service is chosen by the command (see docker-compose.yml).
FROM node:20.19-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY libs/ libs/
COPY services/ services/
COPY schemas/ schemas/
COPY tools/ tools/
RUN npm ci --include=dev && npm cache clean --force
USER node
# tsx runs the TypeScript sources directly; there is no separate build step to drift from the code.
ENTRYPOINT ["node", "--import", "tsx"]
CMD ["services/translator/src/main.ts"]
