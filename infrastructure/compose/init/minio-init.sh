#!/bin/sh
# One-shot (service minio-init): the artifacts bucket and MLflow's access key, whose policy allows
# that bucket and nothing else. Idempotent: every step converges to the same state.
set -eu
umask 077
root_user=$(tr -d '\n' < /run/secrets/minio_root_user)
root_pw=$(tr -d '\n' < /run/secrets/minio_root_password)
ak=$(tr -d '\n' < /run/secrets/mlflow_s3_access_key)
sk=$(tr -d '\n' < /run/secrets/mlflow_s3_secret_key)
# credentials reach mc through its environment, never argv
export MC_CONFIG_DIR=/tmp/mc MC_HOST_dap="http://$root_user:$root_pw@${MINIO_URL#http://}"
mc mb --ignore-existing "dap/$MLFLOW_BUCKET" >/dev/null
cat > /tmp/policy.json <<JSON
{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
     "Resource": ["arn:aws:s3:::$MLFLOW_BUCKET"]},
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
     "Resource": ["arn:aws:s3:::$MLFLOW_BUCKET/*"]}
  ]
}
JSON
mc admin policy create dap mlflow-artifacts /tmp/policy.json >/dev/null
# user add with the secret on stdin (mc prompts for it when absent from argv)
printf '%s\n%s\n' "$ak" "$sk" | mc admin user add dap >/dev/null
if ! mc admin user info dap "$ak" --json | grep -q '"mlflow-artifacts"'; then
  mc admin policy attach dap mlflow-artifacts --user "$ak" >/dev/null
fi
echo "minio-init: bucket $MLFLOW_BUCKET and its least-privilege key ready"
