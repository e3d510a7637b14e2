def slurp(path):
    with open(path) as f:
        return f.read()
