# ssm-env-wrapper as a Terraform module: the layer, the environment that turns it on, and an IAM
# policy that lets the function read only its own parameters. Attach all three to a function (see
# README.md). Build the zip first: `bash build_layer.sh` at the repository root.

terraform {
  required_version = ">= 1.3"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0"
    }
  }
}

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  layer_zip      = coalesce(var.layer_zip, "${path.module}/../../dist/ssm-env-wrapper-layer.zip")
  parameter_path = "/${var.app_env}/${var.app_params_path}"
  parameter_arn  = "arn:${data.aws_partition.current.partition}:ssm:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:parameter"

  # What the function's environment needs: the wrapper, and what it loads.
  environment = merge(
    {
      AWS_LAMBDA_EXEC_WRAPPER = "/opt/ssm-env-wrapper"
      APP_ENV                 = var.app_env
      APP_PARAMS_PATH         = var.app_params_path
    },
    length(var.parameter_names) > 0 ? { SSM_ENV_NAMES = join(",", var.parameter_names) } : {},
  )
}

resource "aws_lambda_layer_version" "ssm_env_wrapper" {
  layer_name               = var.layer_name
  description              = "Lambda exec wrapper that loads SSM parameters into the environment (/opt/ssm-env-wrapper)"
  filename                 = local.layer_zip
  source_code_hash         = filebase64sha256(local.layer_zip)
  compatible_runtimes      = ["python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "python3.14"]
  compatible_architectures = ["x86_64", "arm64"]
  license_info             = "Apache-2.0"
}

data "aws_iam_policy_document" "read_parameters" {
  # Every parameter directly under the path.
  statement {
    sid       = "ReadParameterPath"
    actions   = ["ssm:GetParametersByPath"]
    resources = ["${local.parameter_arn}${local.parameter_path}"]
  }

  # Named parameters (SSM_ENV_NAMES), only when there are any: exactly those ARNs.
  dynamic "statement" {
    for_each = length(var.parameter_names) > 0 ? [1] : []
    content {
      sid       = "ReadNamedParameters"
      actions   = ["ssm:GetParameters"]
      resources = [for name in var.parameter_names : "${local.parameter_arn}${name}"]
    }
  }

  # SecureStrings under a customer managed key: decrypt only through SSM in this region.
  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "DecryptParametersThroughSsm"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["ssm.${data.aws_region.current.region}.${data.aws_partition.current.dns_suffix}"]
      }
    }
  }
}
