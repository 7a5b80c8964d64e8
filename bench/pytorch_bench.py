"""PyTorch reference timings for `trainer bench --pytorch`.

The same models, sizes and measurements as `model::bench`: batch 64, sources of 50 and targets of 80
positions, vocabularies of 2,302 / 4,691, random ids; a training step is forward (teacher forcing 0.5
for the recurrent models, the whole gold prefix for the Transformer) + masked cross-entropy + backward +
gradient clipping at norm 1 + Adam; greedy decoding runs 80 steps without stopping at <eos>, for one
input and for the whole batch. Each measurement is one untimed run, then the median of --iters.

The recurrent models are the reference design's (embedding 128, hidden 256, 2 layers, dropout 0.5,
LSTM + Bahdanau attention for `attention`); the Transformer is `nn.Transformer` with the project's
defaults (d_model 256, 4 heads, 3 + 3 layers, feed-forward 1024, dropout 0.1, pre-layer-norm,
sinusoidal positions). Like most PyTorch seq2seq code, its greedy decoding re-runs the decoder over the
whole prefix at every step (nn.Transformer has no key/value cache).

Prints one JSON object: {"torch": version, "threads": n, "results": {model: {...seconds...}}}.
"""

import argparse
import json
import math
import random
import statistics
import sys
import time
import warnings

warnings.filterwarnings("ignore")  # torch's notes on nested tensors and a missing numpy
import torch
import torch.nn as nn

PAD, SOS, EOS, SPECIALS = 0, 1, 2, 4


class RecurrentSeq2Seq(nn.Module):
    def __init__(self, cell, src_vocab, tgt_vocab, emb=128, hidden=256, layers=2, dropout=0.5):
        super().__init__()
        rnn = nn.LSTM if cell == "lstm" else nn.RNN
        self.src_embedding = nn.Embedding(src_vocab, emb)
        self.tgt_embedding = nn.Embedding(tgt_vocab, emb)
        self.encoder = rnn(emb, hidden, layers, dropout=dropout, batch_first=True)
        self.decoder = rnn(emb, hidden, layers, dropout=dropout, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(hidden, tgt_vocab)

    def encode(self, src):
        _, state = self.encoder(self.dropout(self.src_embedding(src)))
        return state

    def step(self, token, state):
        out, state = self.decoder(self.dropout(self.tgt_embedding(token[:, None])), state)
        return self.output(out[:, 0]), state


class AttentionSeq2Seq(nn.Module):
    """LSTM encoder and decoder with Bahdanau attention; predicts from [output; context; embedding]."""

    def __init__(self, src_vocab, tgt_vocab, emb=128, hidden=256, layers=2, dropout=0.5):
        super().__init__()
        self.src_embedding = nn.Embedding(src_vocab, emb)
        self.tgt_embedding = nn.Embedding(tgt_vocab, emb)
        self.encoder = nn.LSTM(emb, hidden, layers, dropout=dropout, batch_first=True)
        self.decoder = nn.LSTM(emb + hidden, hidden, layers, dropout=dropout, batch_first=True)
        self.key = nn.Linear(hidden, hidden)
        self.query = nn.Linear(hidden, hidden, bias=False)
        self.score = nn.Linear(hidden, 1, bias=False)
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(2 * hidden + emb, tgt_vocab)

    def encode(self, src):
        outputs, state = self.encoder(self.dropout(self.src_embedding(src)))
        return state, outputs, self.key(outputs)

    def step(self, token, state):
        (h, c), values, keys = state
        x = self.dropout(self.tgt_embedding(token))
        scores = self.score(torch.tanh(keys + self.query(h[-1])[:, None])).squeeze(2)
        weights = torch.softmax(scores, 1)
        context = torch.bmm(weights[:, None], values)[:, 0]
        out, (h, c) = self.decoder(torch.cat([x, context], 1)[:, None], (h, c))
        logits = self.output(torch.cat([out[:, 0], context, x], 1))
        return logits, ((h, c), values, keys)


def sinusoid(length, d_model):
    position = torch.arange(length)[:, None]
    rate = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
    table = torch.zeros(length, d_model)
    table[:, 0::2] = torch.sin(position * rate)
    table[:, 1::2] = torch.cos(position * rate)
    return table


class TransformerSeq2Seq(nn.Module):
    def __init__(self, src_vocab, tgt_vocab, d_model=256, heads=4, layers=3, ff=1024, dropout=0.1):
        super().__init__()
        self.src_embedding = nn.Embedding(src_vocab, d_model)
        self.tgt_embedding = nn.Embedding(tgt_vocab, d_model)
        self.transformer = nn.Transformer(
            d_model, heads, layers, layers, ff, dropout, batch_first=True, norm_first=True
        )
        self.transformer.encoder.enable_nested_tensor = False
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(d_model, tgt_vocab)
        self.register_buffer("positions", sinusoid(512, d_model), persistent=False)

    def embed(self, embedding, tokens):
        return self.dropout(embedding(tokens) + self.positions[: tokens.shape[1]])

    def forward(self, src, tgt_in):
        mask = nn.Transformer.generate_square_subsequent_mask(tgt_in.shape[1])
        out = self.transformer(
            self.embed(self.src_embedding, src),
            self.embed(self.tgt_embedding, tgt_in),
            tgt_mask=mask,
            src_key_padding_mask=src == PAD,
        )
        return self.output(out)

    def encode(self, src):
        memory = self.transformer.encoder(
            self.embed(self.src_embedding, src), src_key_padding_mask=src == PAD
        )
        return memory, src == PAD

    def greedy_logits(self, prefix, state):
        memory, padding = state
        mask = nn.Transformer.generate_square_subsequent_mask(prefix.shape[1])
        out = self.transformer.decoder(
            self.embed(self.tgt_embedding, prefix),
            memory,
            tgt_mask=mask,
            memory_key_padding_mask=padding,
        )
        return self.output(out[:, -1])


def make(kind, src_vocab, tgt_vocab):
    if kind in ("rnn", "lstm"):
        return RecurrentSeq2Seq(kind, src_vocab, tgt_vocab)
    if kind == "attention":
        return AttentionSeq2Seq(src_vocab, tgt_vocab)
    if kind == "transformer":
        return TransformerSeq2Seq(src_vocab, tgt_vocab)
    sys.exit(f"pytorch_bench.py: no PyTorch reference for model `{kind}`")


def train_logits(model, src, tgt, rng):
    if isinstance(model, TransformerSeq2Seq):
        return model(src, tgt[:, :-1])
    state = model.encode(src)
    token, logits = tgt[:, 0], []
    for t in range(tgt.shape[1] - 1):
        step_logits, state = model.step(token, state)
        logits.append(step_logits)
        token = tgt[:, t + 1] if rng.random() < 0.5 else step_logits.argmax(1)
    return torch.stack(logits, 1)


def greedy(model, src, steps):
    with torch.no_grad():
        state = model.encode(src)
        tokens = torch.full((src.shape[0], 1), SOS, dtype=torch.long)
        for _ in range(steps):
            if isinstance(model, TransformerSeq2Seq):
                logits = model.greedy_logits(tokens, state)
            else:
                logits, state = model.step(tokens[:, -1], state)
            tokens = torch.cat([tokens, logits.argmax(1, keepdim=True)], 1)
    return tokens


def timed(iters, f):
    f()
    times = []
    for _ in range(max(iters, 1)):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench(kind, args):
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    ids = lambda n, vocab: torch.randint(SPECIALS, vocab, (args.batch_size, n))
    column = lambda token: torch.full((args.batch_size, 1), token, dtype=torch.long)
    src = torch.cat([column(SOS), ids(args.src_len - 2, args.src_vocab), column(EOS)], 1)
    tgt = torch.cat([column(SOS), ids(args.tgt_len - 2, args.tgt_vocab), column(EOS)], 1)
    model = make(kind, args.src_vocab, args.tgt_vocab)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss(ignore_index=PAD)

    def train_step():
        model.train()
        optimizer.zero_grad()
        logits = train_logits(model, src, tgt, rng)
        loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt[:, 1:].reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()

    train_step_s = timed(args.iters, train_step)
    model.eval()
    return {
        "train_step_s": train_step_s,
        "greedy_one_s": timed(args.iters, lambda: greedy(model, src[:1], args.tgt_len)),
        "greedy_batch_s": timed(args.iters, lambda: greedy(model, src, args.tgt_len)),
        "parameters": sum(p.numel() for p in model.parameters()),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="rnn,lstm,attention")
    parser.add_argument("--iters", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--src-len", type=int, default=50)
    parser.add_argument("--tgt-len", type=int, default=80)
    parser.add_argument("--src-vocab", type=int, default=2302)
    parser.add_argument("--tgt-vocab", type=int, default=4691)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    results = {kind: bench(kind, args) for kind in args.models.split(",")}
    print(json.dumps({"torch": torch.__version__, "threads": args.threads, "results": results}))


if __name__ == "__main__":
    main()
