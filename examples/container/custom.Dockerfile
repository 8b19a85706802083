# A function image on a non-AWS base image (Debian 13's python:slim) with the AWS runtime interface
# client. AWS_LAMBDA_EXEC_WRAPPER means nothing here (only the AWS base images' bootstrap reads
# it), so the wrapper IS the entry point: Lambda starts it, it loads the parameters and execs
# `python -m awslambdaric handler.fn` in the same process.
#
# Build from the repository root, after `bash build_layer.sh` (which writes dist/):
#   docker build -f examples/container/custom.Dockerfile -t myapp:custom .
# Try it locally with the runtime interface emulator (aws-lambda-rie), as AWS's documentation
# for non-AWS base images describes.
FROM python:3.13-slim-trixie

# The runtime interface client, pinned (the version the test suite runs against).
RUN pip install --no-cache-dir awslambdaric==4.2.2

COPY --chmod=0755 dist/ssm_env_wrapper.py /opt/ssm-env-wrapper
RUN python3 -c 'import importlib.util as u, py_compile as p; p.compile("/opt/ssm-env-wrapper", cfile=u.cache_from_source("/opt/ssm-env-wrapper"), dfile="/opt/ssm-env-wrapper", doraise=True, invalidation_mode=p.PycInvalidationMode.CHECKED_HASH)'

# awslambdaric imports the handler by name from the working directory (`python -m` puts it
# first on sys.path); LAMBDA_TASK_ROOT as in the AWS images.
ENV LAMBDA_TASK_ROOT=/var/task \
    APP_ENV=prod \
    APP_PARAMS_PATH=myapp
WORKDIR /var/task
COPY examples/container/app/handler.py ./

ENTRYPOINT ["/opt/ssm-env-wrapper", "/usr/local/bin/python", "-m", "awslambdaric"]
CMD ["handler.fn"]
