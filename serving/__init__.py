"""tagraph.serving: the model server, speaking TensorFlow Serving's gRPC and REST APIs.

    tagraph-model-server --port=8500 --rest_api_port=8501 --model_name=m --model_base_path=/models/m

It serves the highest-numbered version under a base path (or what a ``--model_config_file`` asks for),
loads new versions as they appear and unloads removed ones without dropping a request, batches
concurrent requests (``--enable_batching``), and exports health and Prometheus metrics. Modules:
``main`` (command line), ``server`` (assembly), ``manager`` and ``versions`` (which versions serve),
``servable`` (one loaded version), ``inference`` (Predict / Classify / Regress rules), the front ends:
``grpc_service`` and ``grpc_servers``, ``rest_api`` on ``rest_server`` (aiohttp) with the JSON modules
``json_scan`` (TensorFlow Serving's syntax check, compiled), ``json_body`` (whole or piecewise parsing),
``json_codec`` (JSON -> tensors) and ``json_output`` (tensors -> JSON); ``event_loop`` (the loop both
front ends share), ``batching``, ``metrics``, ``warmup``, ``config``.

Importing this package loads none of them: ``main`` sets the BLAS thread variables before numpy loads.
"""

__all__ = []
