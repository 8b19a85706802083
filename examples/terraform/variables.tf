variable "layer_arn" {
  description = "An existing layer version's ARN (one published once per account and region, for every function). null: this module publishes the layer from layer_zip."
  type        = string
  default     = null

  validation {
    condition     = var.layer_arn == null || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", var.layer_arn))
    error_message = "layer_arn is a layer version's ARN: arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION."
  }
}

variable "layer_zip" {
  description = "The layer zip that build_layer.sh writes (the wrapper as /opt/ssm-env-wrapper)."
  type        = string
  default     = null # null: ../../dist/ssm-env-wrapper-layer.zip from this module
}

variable "layer_name" {
  description = "Name of the Lambda layer."
  type        = string
  default     = "ssm-env-wrapper"
}

variable "app_env" {
  description = "First level of the parameter path: /{app_env}/{app_params_path} (APP_ENV)."
  type        = string
  default     = "prod"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+$", var.app_env))
    error_message = "app_env is one path segment: letters, digits, _ . -"
  }
}

variable "app_params_path" {
  description = "Rest of the parameter path, without leading or trailing slash (APP_PARAMS_PATH)."
  type        = string
  default     = "myapp"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$", var.app_params_path))
    error_message = "app_params_path is segments separated by /, without leading or trailing slash."
  }
}

variable "parameter_names" {
  description = "Single parameters to load as well (SSM_ENV_NAMES), each as SSM_ENV_NAMES takes it: [VAR=]NAME[:VERSION|:LABEL][?], NAME a full name (/shared/API_KEY) or a shared parameter's ARN. Empty: none, and no ssm:GetParameters permission."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for item in var.parameter_names : can(regex("^(?:(?P<var>[A-Za-z_][A-Za-z0-9_]*)=)?(?P<name>/[A-Za-z0-9_./-]+|arn:aws[a-z-]*:ssm:[a-z0-9-]+:[0-9]{12}:parameter/[A-Za-z0-9_./-]+)(?::(?P<selector>[A-Za-z0-9_.-]+))?(?P<optional>[?])?$", item))])
    error_message = "Each item is [VAR=]NAME[:VERSION|:LABEL][?] as SSM_ENV_NAMES takes it: NAME starts with / (or is a parameter's ARN), VAR is letters, digits and _, a version is digits and a label letters, digits and . - _ (DB_PASSWORD=/prod/db/password:3)."
  }
}

variable "secret_ids" {
  description = "Secrets Manager secrets to load (SSM_ENV_SECRETS), each as SSM_ENV_SECRETS takes it: [VAR=]SECRET_ID[:json-key[:version-stage[:version-id]]][?], SECRET_ID a name in this account and region or a secret's full ARN. Empty: none, and no secretsmanager permission."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for item in var.secret_ids : can(regex("^(?:(?P<var>[A-Za-z_][A-Za-z0-9_]*)=)?(?P<id>arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+|[A-Za-z0-9/_+.@-]+)(?P<rest>:[^?]*)?(?P<optional>[?])?$", item))])
    error_message = "Each item is [VAR=]SECRET_ID[:json-key[:version-stage[:version-id]]][?] as SSM_ENV_SECRETS takes it: SECRET_ID is a secret's name (letters, digits and / _ + . @ -; one holding = only by its ARN) or its full ARN (DB_PASSWORD=prod/db:password)."
  }
}

variable "kms_key_arn" {
  description = "ARN of the customer managed KMS key of the SecureStrings. null when they use the AWS managed key alias/aws/ssm, which needs no kms:Decrypt statement."
  type        = string
  default     = null
}
