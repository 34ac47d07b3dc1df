"""claimstance training: what makes a model (config, data, trainers, evaluation, tracking).

`training` imports `inference`, never the reverse: evaluation runs the predictor that ships.
"""
