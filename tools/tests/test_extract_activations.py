"""Offline tests of tools/extract_activations.py: tiny randomly initialised GPT-2 and T5
models built from a config, with a word-level tokenizer built locally (no network, no
downloaded weights). Skipped, with the reason printed, only when torch or transformers
cannot be imported."""
import math
import os
import re
import sys

import numpy as np
import pytest
import xarray as xr

torch = pytest.importorskip("torch", reason="torch is not installed: extraction tests skipped")
transformers = pytest.importorskip("transformers", reason="transformers is not installed: extraction tests skipped")

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import extract_activations as ea  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DATA = os.path.join(ROOT, "datasets")


def tokenizer():
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    texts = []
    for name, column in [("Pereira2018_sample.nc", "sentence"), ("Futrell2018_sample.nc", "word"), ("Wehbe2014_sample_F.nc", "word"),
                         ("LeBel2023_sample_UTS01.nc", "word")]:
        texts += [str(v) for v in xr.open_dataset(os.path.join(DATA, name))[column].values]
    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator(texts, trainers.WordLevelTrainer(special_tokens=["[UNK]", "[PAD]", "</s>"]))
    return transformers.PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", eos_token="</s>")


def gpt2(tok, positions=128):
    torch.manual_seed(0)
    config = transformers.GPT2Config(vocab_size=tok.vocab_size, n_layer=2, n_embd=16, n_head=2, n_positions=positions,
                                     bos_token_id=2, eos_token_id=2)
    return transformers.GPT2LMHeadModel(config).eval()


def t5(tok):
    torch.manual_seed(0)
    config = transformers.T5Config(vocab_size=tok.vocab_size, d_model=16, d_ff=32, num_layers=2, num_decoder_layers=3,
                                   num_heads=2, d_kv=8, decoder_start_token_id=1, pad_token_id=1, eos_token_id=2)
    return transformers.T5ForConditionalGeneration(config).eval()


def args(tmp_path, benchmark, neural, model="tiny", output="out.nc", **extra):
    """Parsed arguments; `neural` is a name in datasets/ or a path; True values are flags."""
    argv = ["--model", model, "--benchmark", benchmark, "--neural", os.path.join(DATA, neural), "--output", str(tmp_path / output)]
    for key, value in extra.items():
        argv += [f"--{key.replace('_', '-')}"] + ([] if value is True else [str(value)])
    return ea.parse(argv)


def test_pereira_sentences_in_passage_context(tmp_path):
    tok = tokenizer()
    model = gpt2(tok)
    ea.extract(args(tmp_path, "pereira", "Pereira2018_sample.nc", batch_size=7), model=model, tokenizer=tok, progress=lambda m: None)
    out = xr.open_dataset(tmp_path / "out.nc")
    neural = xr.open_dataset(os.path.join(DATA, "Pereira2018_sample.nc"))
    assert out["activations"].shape == (2, 80, 16)
    assert list(out["layer"].values) == ["layer.0", "layer.1"]
    assert sorted(out["stimulus_id"].values) == sorted(neural["stimulus_id"].values)
    assert out["written"].values.all()
    # The third sentence of a passage is read after the first two, joined with spaces.
    first = neural.isel(presentation=np.where(neural["passage_label"].values == neural["passage_label"].values[0])[0])
    text = " ".join(str(s) for s in first["sentence"].values[:3])
    sid = str(first["stimulus_id"].values[2])
    ids = tok(text, return_tensors="pt")
    with torch.no_grad():
        states = model(**ids, output_hidden_states=True).hidden_states
    row = list(out["stimulus_id"].values).index(sid)
    for layer in range(2):
        np.testing.assert_allclose(out["activations"].values[layer, row], states[layer + 1][0, -1].numpy(), rtol=1e-5, atol=1e-6)

    binary = os.environ.get("BRAINALIGN_BIN")
    if binary:  # the engine reads what the extractor writes
        import subprocess
        result = subprocess.run([binary, "score", "--benchmark", "Pereira2018", "--neural", os.path.join(DATA, "Pereira2018_sample.nc"),
                                 "--activations", str(tmp_path / "out.nc"), "--output", str(tmp_path / "scores.nc"), "--quiet"],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert "layer.1" in result.stdout


def test_t5_encoder_then_decoder_blocks(tmp_path):
    tok = tokenizer()
    model = t5(tok)
    ea.extract(args(tmp_path, "blank", "Blank2014_sample.nc", layers="encoder.block.1,decoder.block.2"), model=model, tokenizer=tok,
               progress=lambda m: None)
    out = xr.open_dataset(tmp_path / "out.nc")
    assert list(out["layer"].values) == ["encoder.block.1", "decoder.block.2"]
    assert ea.layer_names(model) == ["encoder.block.0", "encoder.block.1", "decoder.block.0", "decoder.block.1", "decoder.block.2"]
    assert out["activations"].shape == (2, 160, 16)
    # The same tokens go to encoder and decoder: check one fragment by hand.
    neural = xr.open_dataset(os.path.join(DATA, "Blank2014_sample.nc"))
    story = sorted(set(str(s) for s in neural["story"].values))[0]
    members = np.where(neural["story"].values == story)[0]
    text = " ".join(str(neural["stimulus"].values[i]) for i in members[:2])
    ids = tok(text, return_tensors="pt")
    with torch.no_grad():
        o = model(input_ids=ids.input_ids, attention_mask=ids.attention_mask, decoder_input_ids=ids.input_ids, output_hidden_states=True)
    row = list(out["stimulus_id"].values).index(str(neural["stimulus_id"].values[members[1]]))
    np.testing.assert_allclose(out["activations"].values[0, row], o.encoder_hidden_states[2][0, -1].numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out["activations"].values[1, row], o.decoder_hidden_states[3][0, -1].numpy(), rtol=1e-5, atol=1e-6)


def original_readout(model, tok, words, i, window):
    """Word i's vectors as the paper's Wehbe code computes them, written out by hand: each
    word of the window tokenized alone, the tokens , " @ dropped, the ids joined without
    special tokens; per layer the mean over word i's tokens; the input embeddings of word i
    alone first."""
    pieces = [[t for t in tok.tokenize(w) if t not in (",", '"', "@")] for w in words[max(0, i - window + 1):i + 1]]
    ids = torch.tensor([tok.convert_tokens_to_ids([t for p in pieces for t in p])])
    last = len(pieces[-1])
    with torch.no_grad():
        states = model(input_ids=ids, output_hidden_states=True).hidden_states
        embedding = model.get_input_embeddings()(torch.tensor(tok.convert_tokens_to_ids(pieces[-1]))).mean(0)
    return [embedding.numpy()] + [s[0, -last:].mean(0).numpy() for s in states[1:]]


def test_wehbe_word_windows(tmp_path):
    tok = tokenizer()
    model = gpt2(tok)
    ea.extract(args(tmp_path, "wehbe", "Wehbe2014_sample_F.nc", window=5, batch_size=4), model=model, tokenizer=tok, progress=lambda m: None)
    out = xr.open_dataset(tmp_path / "out.nc")
    words = [str(w) for w in xr.open_dataset(os.path.join(DATA, "Wehbe2014_sample_F.nc"))["word"].values]
    assert out["activations"].shape[:2] == (3, len(words))
    assert list(out["layer"].values) == ["embedding", "layer.0", "layer.1"]
    assert out.attrs["readout_rule"] == ea.WEHBE_RULE
    for i in (0, 2, 9, len(words) - 1):  # a window cut by the chapter's start, and full ones
        for layer, expected in enumerate(original_readout(model, tok, words, i, 5)):
            np.testing.assert_allclose(out["activations"].values[layer, i], expected, rtol=1e-5, atol=1e-6)


def punctuation_subject(tmp_path, words):
    path = str(tmp_path / "punct.nc")
    xr.Dataset(coords={"stimulus_id": ("word", [f"word.{i}" for i in range(len(words))]), "word": ("word", words)}).to_netcdf(path)
    return path


def punctuation_tokenizer():
    from tokenizers import Tokenizer, models, pre_tokenizers
    vocab = {t: i for i, t in enumerate(["[UNK]", "[PAD]", "</s>", ",", '"', "@", "Harry", "said", "Hello", "there", "me", "home", "."])}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    return transformers.PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", eos_token="</s>")


def test_wehbe_drops_the_papers_punctuation_tokens(tmp_path):
    tok = punctuation_tokenizer()
    model = gpt2(tok)
    words = ["Harry", "said,", '"Hello', 'there."', "me@home", "Harry"]
    neural = punctuation_subject(tmp_path, words)
    ea.extract(args(tmp_path, "wehbe", neural, window=3), model=model, tokenizer=tok, progress=lambda m: None)
    out = xr.open_dataset(tmp_path / "out.nc")
    assert ea.word_tokens(tok, 'there."') == tok.convert_tokens_to_ids(["there", "."])  # the period stays
    assert ea.word_tokens(tok, "me@home") == tok.convert_tokens_to_ids(["me", "home"])
    for i in range(len(words)):
        for layer, expected in enumerate(original_readout(model, tok, words, i, 3)):
            np.testing.assert_allclose(out["activations"].values[layer, i], expected, rtol=1e-5, atol=1e-6)
    # The same word in another context: the embedding layer is the same, the blocks are not.
    np.testing.assert_array_equal(out["activations"].values[0, 0], out["activations"].values[0, 5])
    assert not np.allclose(out["activations"].values[2, 0], out["activations"].values[2, 5])


def test_wehbe_words_the_readout_cannot_place(tmp_path):
    tok = punctuation_tokenizer()
    model = gpt2(tok)
    for words, message in [(["Harry", ","], "is itself a dropped punctuation token"), (["Harry", '",'], "has no tokens once")]:
        neural = punctuation_subject(tmp_path, words)
        with pytest.raises(ea.ExtractionError, match=message):
            ea.extract(args(tmp_path, "wehbe", neural, window=3, output="bad.nc"), model=model, tokenizer=tok, progress=lambda m: None)
        assert not os.path.exists(tmp_path / "bad.nc")


def test_lebel_story_windows(tmp_path):
    tok = tokenizer()
    model = gpt2(tok)
    ea.extract(args(tmp_path, "lebel", "LeBel2023_sample_UTS01.nc", window=5), model=model, tokenizer=tok, progress=lambda m: None)
    out = xr.open_dataset(tmp_path / "out.nc")
    subject = xr.open_dataset(os.path.join(DATA, "LeBel2023_sample_UTS01.nc"))
    words = [str(w) for w in subject["word"].values]
    stories = [str(s) for s in subject["word_story"].values]
    assert out["activations"].shape[:2] == (2, len(words))
    assert [str(s) for s in out["story"].values] == stories
    np.testing.assert_array_equal(out["word_time"].values, subject["word_time"].values)
    second = stories.index(stories[-1])  # the first word of the last story
    assert str(out["stimulus_id"].values[second + 2]) == f"{stories[-1]}.2"

    def vector(window, layer):
        ids = tok(window, is_split_into_words=True, return_tensors="pt")
        mask = torch.tensor([w == len(window) - 1 for w in ids.word_ids(0)])
        with torch.no_grad():
            states = model(**ids, output_hidden_states=True).hidden_states
        return states[layer + 1][0][mask].mean(0).numpy()

    # Within a story: the window of 5 words ending at the word; at a story's third word,
    # only that story's first three words (never the end of the previous story).
    for row, window in [(9, words[5:10]), (second + 2, words[second:second + 3])]:
        for layer in range(2):
            np.testing.assert_allclose(out["activations"].values[layer, row], vector(window, layer), rtol=1e-5, atol=1e-6)

    binary = os.environ.get("BRAINALIGN_BIN")
    if binary:  # the story benchmark reads what the extractor writes
        import subprocess
        run = subprocess.run([binary, "score", "--neural", os.path.join(DATA, "LeBel2023_sample_UTS01.nc"), "--activations",
                              str(tmp_path / "out.nc"), "--test-stories", "wheretheressmoke", "--inner-cv", "bootstrap:5:10:4",
                              "--output", str(tmp_path / "scores.nc"), "--quiet"], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        assert (tmp_path / "scores.nc").exists()


def test_lebel_windows_keep_word_starts_for_byte_level_tokenizers(tmp_path):
    """GPT-2-style tokenizers mark a word's start by the space before it: the story readout
    must feed the window as running text, so its last word is read as ' word' (with the
    space), exactly as in the joined text, not as a word glued to the previous one."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers, decoders
    subject = xr.open_dataset(os.path.join(DATA, "LeBel2023_sample_UTS01.nc"))
    words = [str(w) for w in subject["word"].values]
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator([" ".join(words)], trainers.BpeTrainer(vocab_size=300, special_tokens=["<pad>"],
                                                                   initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tok = transformers.PreTrainedTokenizerFast(tokenizer_object=bpe, pad_token="<pad>")
    model = gpt2(tok)
    ea.extract(args(tmp_path, "lebel", "LeBel2023_sample_UTS01.nc", window=4), model=model, tokenizer=tok, progress=lambda m: None)
    out = xr.open_dataset(tmp_path / "out.nc")
    window = words[6:10]
    ids = tok(" ".join(window))["input_ids"]
    last = tok(" " + window[-1])["input_ids"]  # the last word with its leading space
    assert ids[-len(last):] == last
    with torch.no_grad():
        states = model(input_ids=torch.tensor([ids]), output_hidden_states=True).hidden_states
    for layer in range(2):
        expected = states[layer + 1][0][len(ids) - len(last):].mean(0).numpy()
        np.testing.assert_allclose(out["activations"].values[layer, 9], expected, rtol=1e-5, atol=1e-6)


def manual_surprisal(model, tok, words, limit):
    encoded = tok(words, is_split_into_words=True, add_special_tokens=False)
    tokens, word_of = encoded["input_ids"], encoded.word_ids()
    bits = [math.nan]
    for t in range(1, len(tokens)):
        context = tokens[max(0, t - (limit - 1)):t + 1]
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([context])).logits[0, -2]
        bits.append(-float(torch.log_softmax(logits.double(), -1)[tokens[t]]) / math.log(2))
    per_word = np.zeros(len(words))
    for t, w in enumerate(word_of):
        per_word[w] += bits[t]
    return per_word


def test_futrell_surprisal_equals_logits(tmp_path):
    tok = tokenizer()
    model = gpt2(tok, positions=32)
    ea.extract(args(tmp_path, "futrell", "Futrell2018_sample.nc", stride=1), model=model, tokenizer=tok, progress=lambda m: None)
    out = xr.open_dataset(tmp_path / "out.nc")
    words = [str(w) for w in xr.open_dataset(os.path.join(DATA, "Futrell2018_sample.nc"))["word"].values]
    assert np.isnan(out["surprisal"].values[0])
    expected = manual_surprisal(model, tok, words[:60], 32)
    np.testing.assert_allclose(out["surprisal"].values[1:60], expected[1:60], rtol=1e-4)
    # Left-truncation matters: words late in the text differ from a no-limit computation.
    assert (out["surprisal"].values > 0).sum() > len(words) * 0.9


def test_resume_skips_written_layers_and_fills_missing_rows(tmp_path):
    tok = tokenizer()
    model = gpt2(tok)
    a = args(tmp_path, "pereira", "Pereira2018_sample.nc")
    ea.extract(a, model=model, tokenizer=tok, progress=lambda m: None)
    complete = xr.open_dataset(tmp_path / "out.nc")["activations"].values.copy()
    import h5netcdf
    with h5netcdf.File(tmp_path / "out.nc", "a") as f:  # as if interrupted: layer.1 lacks 3 rows
        f.variables["written"][1, [3, 40, 41]] = 0
        f.variables["activations"][1, 40, :] = np.nan
    messages = []
    ea.extract(a, model=model, tokenizer=tok, progress=messages.append)
    assert "layer.0 already written: skipped" in messages
    assert any("3/3 rows" in m for m in messages)
    np.testing.assert_allclose(xr.open_dataset(tmp_path / "out.nc")["activations"].values, complete, rtol=1e-5, atol=1e-6)
    # A later run naming only complete layers does nothing.
    messages.clear()
    ea.extract(args(tmp_path, "pereira", "Pereira2018_sample.nc", layers="layer.1"), model=model, tokenizer=tok, progress=messages.append)
    assert "layer.1 already written: skipped" in messages and not any(re.fullmatch(r"\d+/\d+ rows", m) for m in messages)
    # Layers the file does not have are refused.
    ids = [str(v) for v in xr.open_dataset(tmp_path / "out.nc")["stimulus_id"].values]
    with pytest.raises(ea.ExtractionError, match="lacks layers layer.9"):
        ea.open_output(str(tmp_path / "out.nc"), ids, ["layer.9"], 16, {})


def test_errors(tmp_path):
    tok = tokenizer()
    model = gpt2(tok)
    with pytest.raises(ea.ExtractionError, match="unknown layers"):
        ea.extract(args(tmp_path, "pereira", "Pereira2018_sample.nc", layers="layer.7"), model=model, tokenizer=tok, progress=lambda m: None)
    with pytest.raises(ea.ExtractionError, match="no 'sentence' coordinate"):
        ea.extract(args(tmp_path, "pereira", "Blank2014_sample.nc"), model=model, tokenizer=tok, progress=lambda m: None)
    with pytest.raises(ea.ExtractionError, match="causal"):
        ea.extract(args(tmp_path, "futrell", "Futrell2018_sample.nc"), model=t5(tok), tokenizer=tok, progress=lambda m: None)


def quiet(message):
    pass


def sha1(path):
    import hashlib
    return hashlib.sha1(open(path, "rb").read()).hexdigest()


def test_rerun_from_another_model_is_refused_before_loading_it(tmp_path):
    tok = tokenizer()
    ea.extract(args(tmp_path, "pereira", "Pereira2018_sample.nc", model="tiny-a"), model=gpt2(tok), tokenizer=tok, progress=quiet)
    before = sha1(tmp_path / "out.nc")
    # No model object given: were the check after loading, loading 'tiny-b' would fail first.
    with pytest.raises(ea.ExtractionError) as error:
        ea.extract(args(tmp_path, "pereira", "Pereira2018_sample.nc", model="tiny-b"), progress=quiet)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(f"{tmp_path / 'out.nc'} was extracted with model 'tiny-a' (requested: 'tiny-b')")
    assert "--overwrite" in message
    assert sha1(tmp_path / "out.nc") == before


def test_rerun_with_other_inputs_is_refused(tmp_path):
    tok = tokenizer()
    model = gpt2(tok)
    ea.extract(args(tmp_path, "pereira", "Pereira2018_sample.nc"), model=model, tokenizer=tok, progress=quiet)
    before = sha1(tmp_path / "out.nc")
    changed = xr.open_dataset(os.path.join(DATA, "Pereira2018_sample.nc")).load()
    sentences = changed["sentence"].values.copy()
    sentences[5] = "A different sentence ."
    changed = changed.assign_coords(sentence=("presentation", sentences))
    changed.to_netcdf(tmp_path / "changed.nc")
    cases = [
        (dict(dtype="float16"), "model 'tiny' (requested: 'tiny'), dtype 'float32' (requested: 'float16');"),
        (dict(neural=str(tmp_path / "changed.nc")), "stimuli of neural file 'Pereira2018_sample.nc' (sha1 "),
        (dict(max_length=64), "max_length '128' (requested: '64');"),
    ]
    for extra, expected in cases:
        with pytest.raises(ea.ExtractionError, match=re.escape(expected)):
            ea.extract(args(tmp_path, "pereira", **{"neural": "Pereira2018_sample.nc", **extra}), model=model, tokenizer=tok, progress=quiet)
    with pytest.raises(ea.ExtractionError, match=re.escape("(requested: 'changed.nc', sha1 ")):
        ea.extract(args(tmp_path, "pereira", str(tmp_path / "changed.nc")), model=model, tokenizer=tok, progress=quiet)
    with pytest.raises(ea.ExtractionError, match=re.escape("benchmark_readout 'pereira' (requested: 'blank')")):
        ea.extract(args(tmp_path, "blank", "Blank2014_sample.nc"), model=t5(tok), tokenizer=tok, progress=quiet)
    assert sha1(tmp_path / "out.nc") == before
    # A file from before the fingerprint was recorded cannot be vouched for either.
    import h5py
    with h5py.File(tmp_path / "out.nc", "a") as f:
        del f.attrs["stimuli_sha1"]
    with pytest.raises(ea.ExtractionError, match="sha1 <not recorded>"):
        ea.extract(args(tmp_path, "pereira", "Pereira2018_sample.nc"), model=model, tokenizer=tok, progress=quiet)


def test_the_same_stimuli_from_another_subject_file_resume(tmp_path):
    tok = tokenizer()
    model = gpt2(tok)
    ea.extract(args(tmp_path, "wehbe", "Wehbe2014_sample_F.nc", window=3), model=model, tokenizer=tok, progress=quiet)
    messages = []
    ea.extract(args(tmp_path, "wehbe", "Wehbe2014_sample_H.nc", window=3), model=model, tokenizer=tok, progress=messages.append)
    assert messages[-1] == f"nothing to do: {tmp_path / 'out.nc'} already holds every requested layer"
    with pytest.raises(ea.ExtractionError, match="stimuli of neural file"):  # another window is another input
        ea.extract(args(tmp_path, "wehbe", "Wehbe2014_sample_H.nc", window=4), model=model, tokenizer=tok, progress=quiet)


def test_a_wehbe_file_of_an_earlier_readout_rule_is_not_added_to(tmp_path):
    import h5py
    tok = tokenizer()
    model = gpt2(tok)
    ea.extract(args(tmp_path, "wehbe", "Wehbe2014_sample_F.nc", window=3), model=model, tokenizer=tok, progress=quiet)
    with h5py.File(tmp_path / "out.nc", "a") as f:
        del f.attrs["readout_rule"]  # as an output of the earlier readout has it
    with pytest.raises(ea.ExtractionError, match="readout_rule '<not recorded>'"):
        ea.extract(args(tmp_path, "wehbe", "Wehbe2014_sample_F.nc", window=3), model=model, tokenizer=tok, progress=quiet)


def test_overwrite_replaces_atomically(tmp_path):
    tok = tokenizer()
    (tmp_path / "keep.txt").write_text("not ours")
    ea.extract(args(tmp_path, "pereira", "Pereira2018_sample.nc", model="tiny-a"), model=gpt2(tok), tokenizer=tok, progress=quiet)
    before, listing = sha1(tmp_path / "out.nc"), sorted(os.listdir(tmp_path))
    torch.manual_seed(1)
    other = transformers.GPT2LMHeadModel(gpt2(tok).config).eval()

    def interrupt(message):
        if message.startswith("16/"):
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):  # interrupted half way: the old file is untouched, no partial file left
        ea.extract(args(tmp_path, "pereira", "Pereira2018_sample.nc", model="tiny-b", overwrite=True), model=other, tokenizer=tok,
                   progress=interrupt)
    assert sha1(tmp_path / "out.nc") == before and sorted(os.listdir(tmp_path)) == listing

    ea.extract(args(tmp_path, "pereira", "Pereira2018_sample.nc", model="tiny-b", overwrite=True), model=other, tokenizer=tok, progress=quiet)
    ea.extract(args(tmp_path, "pereira", "Pereira2018_sample.nc", model="tiny-b", output="fresh.nc"), model=other, tokenizer=tok, progress=quiet)
    replaced, fresh = xr.open_dataset(tmp_path / "out.nc"), xr.open_dataset(tmp_path / "fresh.nc")
    assert replaced.attrs["model"] == "tiny-b"
    np.testing.assert_array_equal(replaced["activations"].values, fresh["activations"].values)
    assert sorted(os.listdir(tmp_path)) == sorted(listing + ["fresh.nc"])
    assert (tmp_path / "keep.txt").read_text() == "not ours"


def test_overwrite_replaces_only_outputs_of_this_tool(tmp_path):
    tok = tokenizer()
    import shutil
    shutil.copy(os.path.join(DATA, "Pereira2018_sample.nc"), tmp_path / "neural_copy.nc")
    (tmp_path / "notes.txt").write_text("notes")
    for name, expected in [("neural_copy.nc", "is not an output of extract_activations.py"), ("notes.txt", "is not a netCDF4/HDF5 file")]:
        before = sha1(tmp_path / name)
        with pytest.raises(ea.ExtractionError, match=expected):
            ea.extract(args(tmp_path, "pereira", "Pereira2018_sample.nc", output=name, overwrite=True), model=gpt2(tok), tokenizer=tok,
                       progress=quiet)
        assert sha1(tmp_path / name) == before


def test_surprisal_rerun_checks_the_stride(tmp_path):
    tok = tokenizer()
    model = gpt2(tok, positions=32)
    ea.extract(args(tmp_path, "futrell", "Futrell2018_sample.nc"), model=model, tokenizer=tok, progress=quiet)
    before = sha1(tmp_path / "out.nc")
    messages = []
    ea.extract(args(tmp_path, "futrell", "Futrell2018_sample.nc"), model=model, tokenizer=tok, progress=messages.append)
    assert messages == [f"{tmp_path / 'out.nc'} already holds this surprisal: skipped"] and sha1(tmp_path / "out.nc") == before
    with pytest.raises(ea.ExtractionError, match=re.escape("stride '16' (requested: '8')")):
        ea.extract(args(tmp_path, "futrell", "Futrell2018_sample.nc", stride=8), model=model, tokenizer=tok, progress=quiet)
    assert sha1(tmp_path / "out.nc") == before
    ea.extract(args(tmp_path, "futrell", "Futrell2018_sample.nc", stride=8, overwrite=True), model=model, tokenizer=tok, progress=quiet)
    assert int(np.asarray(xr.open_dataset(tmp_path / "out.nc").attrs["stride"]).reshape(())) == 8
    assert sorted(os.listdir(tmp_path)) == ["out.nc"]


def test_command_line_errors_are_one_line_with_exit_code_2(tmp_path, capsys):
    neural = os.path.join(DATA, "Pereira2018_sample.nc")
    cases = [
        (str(tmp_path / "missing" / "out.nc"), neural, f"the output directory {tmp_path / 'missing'} does not exist"),
        (str(tmp_path), neural, "is a directory; --output names the file to write"),
        (str(tmp_path / "out.nc"), str(tmp_path / "none.nc"), "none.nc: no such file (--neural)"),
        (neural, neural, "is the --neural file itself"),
    ]
    for output, source, expected in cases:
        code = ea.main(["--model", "tiny", "--benchmark", "pereira", "--neural", source, "--output", output])
        err = capsys.readouterr().err
        assert code == 2, err
        assert err.count("\n") == 1 and err.startswith("error: ") and expected in err, err
    assert os.listdir(tmp_path) == []
