"""Tiny, randomly initialised causal LMs built on the spot for tests (no downloads).

`build_tiny_model` writes a Hugging Face model directory (a 2-layer Llama
plus a byte-level BPE tokenizer trained on a few lines) that the generator
and the trainer load exactly like the real base model. `teach` overfits it
on one (prompt, answer) pair so its greedy output is known.
"""

from __future__ import annotations

from pathlib import Path

CORPUS = [
    "Prompt: a small net\nPlan:\nnet 2 3 1\nstyle: auto mixed arrow muted labels medium",
    "[0, 100, 100, 'circle', 40, 40, 'solid arrow', (255, 255, 255), (0, 0, 0), [1, 2]]",
    "[1, 300, 200, 'rectangle', 60, 40, 'dashed line', (192, 192, 224), (0, 0, 0), []]",
    "flow\ndb > cnn > png\nstyle: right box dashed blue nolabels small",
    "a neural network with 6 inputs, 3 and 4 hidden nodes and 2 outputs",
    "0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ .,;:-+*/=()[]'\"",
]


CHAT_TEMPLATE = (
    "{% for m in messages %}User: {{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}Answer:\n{% endif %}"
)


def build_tiny_model(path: Path, seed: int = 0, vocab_size: int = 400) -> Path:
    """Save a random 2-layer Llama and its tokenizer to `path`; return `path`."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=["<pad>", "</s>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(CORPUS * 4, trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="</s>", pad_token="<pad>")
    tokenizer.chat_template = CHAT_TEMPLATE
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=48,
        intermediate_size=96,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
        tie_word_embeddings=True,
    )
    model = LlamaForCausalLM(config)
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def teach(
    path: Path, prompt_text: str, answer: str, steps: int = 150, end_token: str | None = None
) -> None:
    """Overfit the model in `path` so that `answer` + EOS follows `prompt_text`; save it back.

    `end_token` names another special token to end the answer with instead of EOS.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    prompt_ids = tokenizer(prompt_text, add_special_tokens=False).input_ids
    end_id = tokenizer.convert_tokens_to_ids(end_token) if end_token else tokenizer.eos_token_id
    answer_ids = tokenizer(answer, add_special_tokens=False).input_ids + [end_id]
    ids = torch.tensor([prompt_ids + answer_ids])
    labels = ids.clone()
    labels[0, : len(prompt_ids)] = -100
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(steps):
        loss = model(input_ids=ids, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    model.save_pretrained(path)


def save_noop_adapter(base: Path, path: Path) -> Path:
    """Save a freshly initialised LoRA adapter for the model in `base` (its B is zero: a no-op)."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(base)
    lora = LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", task_type="CAUSAL_LM")
    get_peft_model(model, lora).save_pretrained(path)
    return path
