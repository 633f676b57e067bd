FROM python:3.13-slim
WORKDIR /srv/baton
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install --no-cache-dir .
COPY migrations ./migrations
COPY bpmn ./bpmn
COPY dmn ./dmn
COPY gunicorn.conf.py ./
EXPOSE 8000
# gunicorn.conf.py (read from the working directory): threads, one process per core, keep-alive.
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app.wsgi:app"]
