Bmax_negative_0_2_k0JşÿÿÿO
şÿÿÿÿ