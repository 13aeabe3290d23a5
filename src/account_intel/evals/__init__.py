"""The eval harness: YAML scenarios over fixture stores, typed evaluators, baselines and a regression gate."""
