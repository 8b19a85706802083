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
  description = "Single parameters to load as well (SSM_ENV_NAMES), full names such as /shared/API_KEY. Empty: none, and no ssm:GetParameters permission."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for name in var.parameter_names : can(regex("^/[A-Za-z0-9_./-]+$", name))])
    error_message = "Each parameter name is a full name that starts with /."
  }
}

variable "kms_key_arn" {
  description = "ARN of the customer managed KMS key of the SecureStrings. null when they use the AWS managed key alias/aws/ssm, which needs no kms:Decrypt statement."
  type        = string
  default     = null
}
