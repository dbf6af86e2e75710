"""Write data/splits.json from the annotations by the fixed rule in framing.corpus.make_splits."""

import json

from framing.corpus import corpus_root, load_annotations, make_splits

if __name__ == "__main__":
    splits = make_splits(load_annotations())
    path = corpus_root() / "data" / "splits.json"
    path.write_text(json.dumps(splits, indent=1) + "\n", encoding="utf-8")
    print(f"test documents {splits['test']} ({splits['test_share']:.1%} of sentences) -> {path}")
