FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -e . \
 && DEBUG=0 SECRET_KEY=build-only-not-secret-build-only-not-secret-build-only-0 ALLOWED_HOSTS=build \
    python manage.py collectstatic --noinput -v 0
EXPOSE 8000
CMD ["gunicorn", "gpleadership.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
