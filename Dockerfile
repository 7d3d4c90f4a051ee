# deployq, installed exactly as uv.lock pins it (the same lock scripts/bootstrap installs from).
FROM python:3.11-slim
ENV UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=/app/.venv UV_COMPILE_BYTECODE=1 \
    PATH=/app/.venv/bin:$PATH
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
# Dependencies first, in their own layer: a code change does not reinstall them.
RUN uv sync --locked --no-dev --no-install-project --no-cache
COPY deployq ./deployq
RUN uv sync --locked --no-dev --no-editable --no-cache
USER nobody
ENTRYPOINT ["deployq"]
CMD ["worker"]
