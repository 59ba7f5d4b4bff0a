from seaway.cli.main import run

run()
