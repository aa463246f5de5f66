# HireBridge's image (docs/deployment.md): the wheel, installed on a slim Python, run as a non-root user.
#   docker build -t hirebridge:latest .
#   docker run --rm -p 8000:8000 hirebridge:latest demo --host 0.0.0.0 --port 8000
# Its entrypoint is the `hirebridge` command, the same CLI tests/test_packaging.py runs from the wheel.

# Build stage: only here are the build tools (pip's `build`); the final image gets the wheel alone.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE NOTICE ./
COPY src ./src
RUN python -m pip install --no-cache-dir build \
    && python -m build --wheel --outdir /dist .

FROM python:3.11-slim
# Every dependency has a binary wheel (psycopg's includes libpq): nothing is compiled here.
COPY --from=build /dist/*.whl /tmp/
RUN python -m pip install --no-cache-dir /tmp/*.whl \
    && rm /tmp/*.whl \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin hirebridge
USER hirebridge
WORKDIR /home/hirebridge
ENV PYTHONUNBUFFERED=1
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --retries=5 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/ready', timeout=3)"]
ENTRYPOINT ["hirebridge"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
