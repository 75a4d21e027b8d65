"""A real Spark standalone cluster on loopback, from the pyspark package's own classes.

`standalone_cluster()` starts a master and one worker (`spark-class
org.apache.spark.deploy.master.Master` / `...worker.Worker`, as Spark's own
`start-master.sh` does) on 127.0.0.1 with free ports, and stops both at the end.
The Spark tests run their sessions on it, with `spark.driver.maxResultSize` at
its minimum, so that a result the size of the activity data could not come back
to the driver.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["SMALL_RESULTS", "cluster_conf", "java_available", "standalone_cluster"]

SMALL_RESULTS = "1m"  # Spark's smallest spark.driver.maxResultSize
_START_SECONDS = 120


def java_available() -> bool:
    return shutil.which("java") is not None or bool(os.environ.get("JAVA_HOME"))


def cluster_conf() -> dict[str, str]:
    """The driver's settings for the loopback cluster."""
    return {
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.driver.maxResultSize": SMALL_RESULTS,
        "spark.executor.memory": "1g",
        "spark.executor.cores": "2",
        "spark.cores.max": "2",
        "spark.sql.shuffle.partitions": "4",
        "spark.ui.enabled": "false",
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + _START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Spark process ended: {log.read_text()[-2000:]}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise RuntimeError(f"the Spark process did not listen on {port}: {log.read_text()[-2000:]}")


@contextmanager
def standalone_cluster(work: Path) -> Iterator[str]:
    """A master and a worker on loopback; yields the master URL (spark://127.0.0.1:PORT)."""
    import pyspark

    home = Path(pyspark.__file__).parent
    spark_class = home / "bin" / "spark-class"
    env = {
        **os.environ,
        "SPARK_HOME": str(home),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "PYSPARK_PYTHON": sys.executable,
        "SPARK_WORKER_DIR": str(work / "worker"),
    }
    master_port, worker_port = _free_port(), _free_port()
    url = f"spark://127.0.0.1:{master_port}"
    commands = {
        "master": [
            "org.apache.spark.deploy.master.Master",
            *("--host", "127.0.0.1", "--port", str(master_port), "--webui-port", "0"),
        ],
        "worker": [
            "org.apache.spark.deploy.worker.Worker",
            url,
            *("--host", "127.0.0.1", "--port", str(worker_port), "--webui-port", "0"),
            *("--cores", "2", "--memory", "2g", "--work-dir", str(work / "worker")),
        ],
    }
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for name, args in commands.items():
            log = work / f"{name}.log"
            process = subprocess.Popen(
                ["bash", str(spark_class), *args],
                env=env,
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            processes.append(process)
            _wait_for(master_port if name == "master" else worker_port, process, log)
        yield url
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
