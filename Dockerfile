FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY deployq ./deployq
RUN pip install --no-cache-dir .
USER nobody
ENTRYPOINT ["deployq"]
CMD ["worker"]
