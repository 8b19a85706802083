# A function image on the AWS Lambda Python base image, with ssm-env-wrapper as its exec wrapper.
# The base image's bootstrap honours AWS_LAMBDA_EXEC_WRAPPER as the managed runtime does: it
# starts the wrapper with the runtime's command line, and the wrapper execs the runtime once the
# parameters are in the environment.
#
# Build from the repository root, after `bash build_layer.sh` (which writes dist/):
#   docker build -f examples/container/lambda-base.Dockerfile -t myapp:lambda-base .
# lambda-base.Dockerfile.dockerignore keeps the context to the two things copied below.
FROM public.ecr.aws/lambda/python:3.13

# The single file as the wrapper, executable (COPY --chmod needs BuildKit, docker's default).
COPY --chmod=0755 dist/ssm_env_wrapper.py /opt/ssm-env-wrapper

# Its bytecode for this image's Python, hash-checked against the file (PEP 552), where the
# launcher's loader looks for it (/opt/__pycache__/): saves compiling the file at each cold
# start (docs/performance.md#sizes says what that costs).
RUN python3 -c 'import importlib.util as u, py_compile as p; p.compile("/opt/ssm-env-wrapper", cfile=u.cache_from_source("/opt/ssm-env-wrapper"), dfile="/opt/ssm-env-wrapper", doraise=True, invalidation_mode=p.PycInvalidationMode.CHECKED_HASH)'

# The function's code.
COPY examples/container/app/handler.py ${LAMBDA_TASK_ROOT}/

# What to load: /prod/myapp (set APP_ENV per stage in the function's configuration instead, if
# one image serves several stages). The execution role needs ssm:GetParametersByPath on it.
ENV AWS_LAMBDA_EXEC_WRAPPER=/opt/ssm-env-wrapper \
    APP_ENV=prod \
    APP_PARAMS_PATH=myapp

CMD ["handler.fn"]
