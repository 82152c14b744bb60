// Each module registers its op family with the registry when imported.
import './constant';
import './activations';
import './normalization';
import './reduce';
import './conv';
import './pool';
import './resize';
import './matmul';
import './tensor-ops';
import './elementwise';
import './recurrent';
import './control-flow';
