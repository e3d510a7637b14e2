class FileStore:
    def __init__(self, root):
        self.root = root

    def __getitem__(self, key):
        with open(f"{self.root}/{key}") as f:
            return f.read()
