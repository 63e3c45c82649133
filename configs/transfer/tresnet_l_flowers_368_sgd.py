# Flowers-102 with the SGD + cosine (warm-up 3 epochs) schedule instead of the default Adam + OneCycle.
_base_ = ['./tresnet_l_flowers_368.py', '_base_/finetune_sgd_cosine.py']
