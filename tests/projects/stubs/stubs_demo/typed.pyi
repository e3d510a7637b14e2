import subprocess

async def run(command: list[str]) -> None:
    subprocess.run(command)
