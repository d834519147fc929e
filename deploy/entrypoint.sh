#!/bin/sh
# Starts tagraph-model-server the way TensorFlow Serving's image starts tensorflow_model_server: the model
# named MODEL_NAME under MODEL_BASE_PATH (a directory, or an object-store URL such as s3://bucket/models),
# with the image's CMD (or the pod's args) as further flags. exec: SIGTERM reaches the server, which
# finishes the requests in flight before it exits.
set -e
exec tagraph-model-server --model_name="${MODEL_NAME}" --model_base_path="${MODEL_BASE_PATH%/}/${MODEL_NAME}" "$@"
