output "layer_arn" {
  description = "The layer version's ARN, for the function's layers: layer_arn, or the one this module published."
  value       = local.layer_arn
}

output "environment" {
  description = "Variables to merge into the function's environment: AWS_LAMBDA_EXEC_WRAPPER and what to load."
  value       = local.environment
}

output "policy_json" {
  description = "The least-privilege IAM policy (JSON) for the function's execution role."
  value       = data.aws_iam_policy_document.read_parameters.json
}

output "parameter_path" {
  description = "The path the function loads, /{app_env}/{app_params_path}."
  value       = local.parameter_path
}
