import pytest

from training.config import ConfigError, LinearConfig, flatten, load_config


def test_shipped_configs_load():
    cfg = load_config(__import__("conftest").ROOT / "experiments" / "baseline.toml")
    assert cfg.kind == "linear" and cfg.tracking.registered_model == "claim-stance"


def test_unknown_key_is_an_error_naming_it(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('name = "x"\n[linear]\nCee = 1.0\n')
    with pytest.raises(ConfigError, match=r"c.toml\[linear\]: unknown key\(s\) Cee"):
        load_config(path)


def test_bad_value_is_quoted(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('name = "x"\n[linear]\nC = -2.0\n')
    with pytest.raises(ConfigError, match=r"linear.C = -2.0: expected a number > 0"):
        load_config(path)


def test_missing_file_and_bad_toml(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "none.toml")
    (tmp_path / "bad.toml").write_text("name = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(tmp_path / "bad.toml")


def test_flatten_covers_every_field(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('name = "x"\n')
    params = flatten(load_config(path))
    assert params["linear.C"] == LinearConfig().C and params["tracking.alias"] == "champion"
    assert params["name"] == "x" and params["data.path"] == "datasets/kursk"
