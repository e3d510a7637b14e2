def read_all(path):
    with open(path) as f:
        return f.read()
