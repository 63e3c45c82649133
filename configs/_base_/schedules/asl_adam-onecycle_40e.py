# Kept for configs that name it: the ML-Decoder 40-epoch full cycle (mldecoder_adam-onecycle_40e.py), now with torch's
# beta1 cycling. The ASL recipe runs 41 epochs of an 80-epoch cycle instead: asl_adam-onecycle-80e_stop41.py.
_base_ = ['./mldecoder_adam-onecycle_40e.py']
