"""An `mpiexec -n 2` job in which rank 1 never joins rank 0's all-reduce: rank 0's ``timeout_seconds``
ends its wait with DeadlineExceededError, the uncaught error aborts the whole job (rank 1 included), and
mpiexec exits non-zero instead of hanging.

    mpiexec -n 2 python job_timeout.py
"""
import os
import time

import tagraph.distribute as hvd
import tagraph.engine as tg
from tagraph.engine.ops import collective_ops

hvd.init()
if hvd.rank() == 0:
    x = collective_ops.all_reduce_v2(tg.constant([1.0, 2.0]), hvd.size(), 1, 1, timeout=1.0)
    with tg.Session() as sess:
        try:
            sess.run(x)
        except Exception as e:
            # One write, so that mpiexec's and the other rank's output cannot land inside the line the test
            # reads (the traceback Python prints below is written in pieces).
            os.write(2, ("%s: %s\n" % (type(e).__name__, str(e).splitlines()[0])).encode())
            raise
else:
    time.sleep(120)
