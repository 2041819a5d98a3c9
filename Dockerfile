# The API and worker image (docker-compose.yml runs both from it).
FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements.lock pyproject.toml README.md ./
RUN pip install --no-cache-dir -r requirements.lock
COPY domain domain
COPY db db
COPY schema schema
COPY resolvers resolvers
COPY workers workers
COPY server server
RUN pip install --no-cache-dir --no-deps -e . && useradd --create-home bigledger
USER bigledger
EXPOSE 8000
CMD ["bigledger", "serve"]
